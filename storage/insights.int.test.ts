import { describeInsights } from './insights-contract.ts';
import { mariadbSuiteDatabase } from './test-databases.ts';

describeInsights('mysql (MariaDB)', () => mariadbSuiteDatabase('insights'));
