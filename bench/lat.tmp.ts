import { startProcess } from '/work/main/bench/processes';
import { post } from '/work/main/bench/load';
import { percentile } from '/work/main/bench/support';
async function main() {
  const pin = process.env.PIN === '1';
  const node = process.execPath;
  const stub = await startProcess({ name: 'stub', cores: pin ? '1' : '0-1', command: node, args: (p) => ['-r', '@swc-node/register', '/work/main/bench/stub-server.ts', String(p)], readyPath: '/v1/models' });
  const ours = await startProcess({ name: 'ours', cores: pin ? '0' : '0-1', command: node, args: () => ['-r', '@swc-node/register', '/work/main/src/main.ts'], env: { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/dbg', UPSTREAM_BASE_URL: `${stub.url}/v1`, LOG_LEVEL: 'warn', HOST: '127.0.0.1' }, readyPath: '/ready' });
  const t = { name: 'o', url: ours.url, path: '/v1/responses', headers: {}, body: () => ({}), isFirstText: () => false };
  const d = { name: 'd', url: stub.url, path: '/v1/chat/completions', headers: {}, body: () => ({}), isFirstText: () => false };
  for (const store of [true, false]) {
    const o: number[] = [], dd: number[] = [];
    for (let i = 0; i < 300; i++) {
      dd.push((await post(d, { model: 'b', messages: [{ role: 'user', content: 'hello' }] })).ms);
      o.push((await post(t, { model: 'b', input: 'hello', store })).ms);
    }
    console.log(`store=${store} direct p50 ${percentile(dd, 50).toFixed(2)} ours p50 ${percentile(o, 50).toFixed(2)} p99 ${percentile(o, 99).toFixed(2)}`);
  }
  await ours.stop(); await stub.stop();
}
main();
