// IoT sensor windows: per-sensor temperature statistics over 10-second tumbling windows, emitted
// once the watermark closes each window, and an alert query over the results.
// Run: node examples/iot-sensors.mjs
import { open } from 'laminardb';

const db = await open();
await db.execute(`
  CREATE SOURCE readings (sensor VARCHAR NOT NULL, celsius DOUBLE NOT NULL, ts TIMESTAMP NOT NULL,
                          WATERMARK FOR ts AS ts - INTERVAL '2' SECOND);
  CREATE MATERIALIZED VIEW sensor_stats AS
    SELECT sensor, window_start, count(*) AS n, round(avg(celsius)::numeric, 2) AS avg_c,
           min(celsius) AS min_c, max(celsius) AS max_c
    FROM TUMBLE(readings, ts, INTERVAL '10' SECOND)
    GROUP BY sensor, window_start, window_end
    EMIT ON WINDOW CLOSE;
`);
db.subscribe('sensor_stats', {
  onChange: ({ row }) =>
    console.log(`${row.window_start.toISOString().slice(11, 19)} ${row.sensor}: n=${row.n} avg=${row.avg_c} min=${row.min_c} max=${row.max_c}`),
});

// one reading per sensor per second for 25 seconds; the boiler heats up
const t0 = Date.UTC(2024, 5, 1, 8, 0, 0);
const readings = db.source('readings');
for (let s = 0; s < 25; s++) {
  readings.insertMany([
    { sensor: 'boiler', celsius: 20 + s * 1.5, ts: t0 + s * 1000 },
    { sensor: 'hall', celsius: 19 + (s % 3) * 0.5, ts: t0 + s * 1000 },
  ]);
}
// a late reading for the first window (already closed): it is dropped, the window stays final
readings.insert({ sensor: 'hall', celsius: 99, ts: t0 + 5_000 });

const alerts = await db.query('SELECT sensor, window_start, max_c FROM sensor_stats WHERE max_c > $1 ORDER BY window_start', [40]);
for (const a of alerts) console.log(`alert: ${a.sensor} reached ${a.max_c} °C in the window from ${a.window_start.toISOString().slice(11, 19)}`);
await db.close();
