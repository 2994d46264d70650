// The reference of bench/api.mjs: a bare Fastify route answering a fixed JSON document.
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const body = JSON.parse(readFileSync(process.env.BENCH_JSON, 'utf8'));
const app = Fastify();
app.get('/v1/:project_id/digital-assets/:asset_id', async () => body);
await app.listen({ host: '127.0.0.1', port: Number(process.env.BENCH_PORT) });
