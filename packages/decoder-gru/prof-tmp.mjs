import { createRequire } from 'node:module';

const req = createRequire(process.cwd() + '/package.json');
const tf = await import(req.resolve('@tensorflow/tfjs'));
await import(req.resolve('@tensorflow/tfjs-backend-wasm'));
const gru = await import('./dist/index.js');
const att = await import('../fusion-attention/dist/index.js');
const { memoryLogger, port } = await import('../core/dist/index.js');
await tf.setBackend('wasm');
const which = process.argv[2];
const stage =
  which === 'att'
    ? new att.CrossAttentionPlugin(memoryLogger()).create(
        {},
        {
          name: 's',
          seed: 1,
          upstream: {
            vision: port('t', ['B', 64, 64]),
            language: port('t', ['B', 16, 64]),
            languageMask: port('m', ['B', 16]),
          },
        },
      )
    : new gru.GruDecoderPlugin(memoryLogger()).create(
        {},
        { name: 's', seed: 1, upstream: { fused: port('f', ['B', 64]) } },
      );
stage.build();
const feeds =
  which === 'att'
    ? {
        vision: tf.randomNormal([32, 64, 64]),
        language: tf.randomNormal([32, 16, 64]),
        languageMask: tf.ones([32, 16]),
      }
    : { fused: tf.randomNormal([32, 64]) };
const vars = [...stage.variables().values()];
const step = () => {
  const { value, grads } = tf.variableGrads(
    () =>
      tf.tidy(() =>
        tf.addN(Object.values(stage.forward(feeds, { training: true })).map((t) => tf.mean(tf.square(t)))),
      ),
    vars,
  );
  Object.values(grads).forEach((g) => g.dataSync());
  tf.dispose([value, Object.values(grads)]);
};
step();
step();
const prof = await tf.profile(step);
const by = new Map();
for (const k of prof.kernels) {
  const t = await k.kernelTimeMs;
  const key = k.name + ' ' + JSON.stringify(k.inputShapes);
  const e = by.get(key) ?? [0, 0];
  e[0] += typeof t === 'number' ? t : 0;
  e[1]++;
  by.set(key, e);
}
const total = [...by.values()].reduce((s, e) => s + e[0], 0);
console.log('total kernel ms', total.toFixed(1));
for (const [k, [t, n]] of [...by].sort((a, b) => b[1][0] - a[1][0]).slice(0, 14))
  console.log(t.toFixed(1).padStart(7), String(n).padStart(4), k);
