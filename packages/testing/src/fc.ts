import fc from "fast-check";

// Property tests run with a fixed seed by default, so a failure reproduces; FC_SEED=<number>
// replays a seed and FC_SEED=random (CI's second pass) explores a fresh one. fast-check prints
// the seed of any failure.
function chooseSeed(): number {
  const env = process.env.FC_SEED;
  if (env === undefined || env === "") return 20261128;
  if (env !== "random") return Number(env);
  const seed = Math.floor(Math.random() * 2 ** 31);
  console.log(`fast-check seed ${seed} (FC_SEED=${seed} replays it)`);
  return seed;
}

const seed = chooseSeed();
fc.configureGlobal({ seed, numRuns: Number(process.env.FC_RUNS ?? 1000) });

export { fc };
