/*
 * `npm start`: strangler with the demo's parts for whatever the configuration leaves out (an embedded
 * PostgreSQL, seeded data, a legacy API; demo-environment.ts). With DATABASE_URL and LEGACY_URL set it
 * starts nothing and is strangler alone, as `node src/main.ts` is.
 */
import { main } from '../../src/main.ts';
import { startDemoEnvironment } from './demo-environment.ts';

await main(startDemoEnvironment);
