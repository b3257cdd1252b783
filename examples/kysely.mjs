// Typed queries with Kysely over LaminarDB (in TypeScript, pass the DB interface written by
// `npx laminardb codegen`: db.kysely<DB>()). Run: node examples/kysely.mjs
import { open } from 'laminardb';

const db = await open();
await db.execute(`
  CREATE TABLE person (id INT PRIMARY KEY, name VARCHAR NOT NULL, city VARCHAR);
  CREATE MATERIALIZED VIEW people_per_city AS SELECT city, count(*) AS people FROM person GROUP BY city;
`);
const k = db.kysely();
await k.insertInto('person').values([
  { id: 1, name: 'Ann', city: 'Oslo' },
  { id: 2, name: 'Bob', city: 'Oslo' },
  { id: 3, name: 'Cy', city: 'Lima' },
]).execute();
await k.updateTable('person').set({ city: 'Lima' }).where('id', '=', 2).execute();
console.log(await k.selectFrom('people_per_city').selectAll().orderBy('city').execute());
console.log(await k.selectFrom('person').select(['name']).where('city', '=', 'Lima').orderBy('name').execute());
await db.close();
