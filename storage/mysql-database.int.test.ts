import { describeDatabase } from './database-contract.ts';
import { mariadbSuiteDatabase } from './test-databases.ts';

describeDatabase('mysql (MariaDB)', () => mariadbSuiteDatabase('storage'));
