import fc from "fast-check";

// Property tests run with a fixed seed by default, so CI is reproducible; set FC_SEED to a number
// (CI does, with a random one) to explore further. The seed is printed on failure either way.
const seed = process.env.FC_SEED === undefined ? 20261128 : Number(process.env.FC_SEED);
fc.configureGlobal({ seed, numRuns: Number(process.env.FC_RUNS ?? 1000) });

export { fc };
