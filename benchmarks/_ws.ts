const base = process.argv[2]!;
const T = await import(base + '/transforms/index.js');
const D = await import(base + '/datasets/index.js');
const keys = ['image'];
const c = new T.Compose([new T.LoadImaged({ keys }), new T.EnsureChannelFirstd({ keys }), new T.ScaleIntensityd({ keys })]);
const ds = new D.Dataset({ data: [], transform: c });
for (let i = 0; i < 3; i++) {
  const l = new D.DataLoader(ds, { numWorkers: 2 });
  const t = performance.now();
  await l.ensurePool();
  console.log('two workers ready ms', Math.round(performance.now() - t));
  await l.close();
}
