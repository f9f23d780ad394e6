# One image for every role: `movie-reco operator`, `movie-reco train`, `movie-reco serve`.
# Node 24 runs the TypeScript sources directly (type stripping), so the only build steps are the
# WebAssembly kernels and the web page's bundle (esbuild: one small script and stylesheet).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the `node` dev dependency would download a second Node; the base image has it.
RUN npm ci --ignore-scripts
COPY model/kernel ./model/kernel
COPY inference/web ./inference/web
RUN npm run build:kernel && npm run build:web && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    MOVIE_RECO_CACHE=/tmp/movie-reco
WORKDIR /app
COPY package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY bin ./bin
COPY cli ./cli
COPY common ./common
COPY data ./data
COPY model ./model
COPY storage ./storage
COPY trainer ./trainer
COPY inference ./inference
COPY operator ./operator
COPY --from=build /app/model/kernel/*.wasm ./model/kernel/
COPY --from=build /app/inference/web/dist ./inference/web/dist
# A numeric non-root user, so `runAsNonRoot` can be verified; nothing is written under /app,
# so the root filesystem can be read-only (mount an emptyDir at /tmp).
RUN ln -s /app/bin/movie-reco.js /usr/local/bin/movie-reco
USER 10001:10001
ENTRYPOINT ["movie-reco"]
