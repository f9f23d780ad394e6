import Koa from 'koa';
import Router from '@koa/router';

/** The reference ceiling: the smallest Koa + @koa/router app answering JSON, in its own process like the service. */
const app = new Koa();
const router = new Router();
router.get('/hello', (ctx) => {
  ctx.body = { hello: 'world' };
});
app.use(router.routes());
app.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('listening'));
