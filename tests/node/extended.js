// node-postgres against Orbit's extended query protocol: parameters in text,
// named and unnamed prepared statements, RETURNING, errors with SQLSTATE and
// detail, transactions. (Binary formats are tested from Python with raw
// messages: node-postgres 8's binary mode does not decode DataRows.) Usage: node extended.js <port>.
// Prints "ok" and exits 0 when every check passes.
'use strict';
const assert = require('assert/strict');
const { Client } = require('pg');

async function main() {
  const port = Number(process.argv[2]);
  const c = new Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
  await c.connect();
  await c.query('CREATE TABLE np (id int PRIMARY KEY, name text, score float8, n bigint, ok boolean)');
  for (let i = 1; i <= 5; i++) {
    const r = await c.query('INSERT INTO np VALUES ($1, $2, $3, $4, $5)', [i, 'n' + i, i * 1.5, i * 1e9, i % 2 === 0]);
    assert.equal(r.command, 'INSERT');
    assert.equal(r.rowCount, 1);
  }
  let r = await c.query('SELECT * FROM np WHERE id = $1', [3]);
  assert.deepEqual(r.rows, [{ id: 3, name: 'n3', score: 4.5, n: '3000000000', ok: false }]);
  assert.deepEqual(r.fields.map(f => f.dataTypeID), [23, 25, 701, 20, 16]);

  // A named statement is parsed once and reused with other values.
  const named = { name: 'by_score', text: 'SELECT name FROM np WHERE score > $1 ORDER BY id LIMIT $2' };
  r = await c.query({ ...named, values: [2, 2] });
  assert.deepEqual(r.rows.map(x => x.name), ['n2', 'n3']);
  r = await c.query({ ...named, values: [5, 10] });
  assert.deepEqual(r.rows.map(x => x.name), ['n4', 'n5']);

  r = await c.query('UPDATE np SET score = score + $1 WHERE id IN ($2, $3) RETURNING id, score', [0.5, 1, 2]);
  assert.equal(r.command, 'UPDATE');
  assert.deepEqual(r.rows, [{ id: 1, score: 2 }, { id: 2, score: 3.5 }]);

  await assert.rejects(c.query('INSERT INTO np VALUES ($1, $2)', [1, 'dup']),
                       e => e.code === '23505' && e.detail === 'Key (id)=(1) already exists.');
  await assert.rejects(c.query('SELECT * FROM np WHERE id = $1', ['x']), e => e.code === '22P02');
  await assert.rejects(c.query('SELECT $1 + $2', [1, 2]), e => e.code === '42725');
  r = await c.query('SELECT count(*) AS c, $1::text AS t, $2::int + 1 AS i FROM np', ['hello', 41]);
  assert.deepEqual(r.rows, [{ c: '5', t: 'hello', i: 42 }]);

  // Transactions over the extended protocol: an error fails the block until ROLLBACK.
  await c.query('BEGIN');
  await c.query('INSERT INTO np (id, name) VALUES ($1, $2)', [99, 'tmp']);
  await assert.rejects(c.query('SELECT 1 / $1::int', [0]), e => e.code === '22012');
  await assert.rejects(c.query('SELECT $1::int', [5]), e => e.code === '25P02');
  await c.query('ROLLBACK');
  r = await c.query('SELECT count(*) FROM np WHERE id = $1', [99]);
  assert.equal(r.rows[0].count, '0');

  await c.query('DROP TABLE np');
  await c.end();
  console.log('ok');
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
