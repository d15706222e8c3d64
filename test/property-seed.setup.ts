import fc from 'fast-check';

// Under CI the property tests draw from one fixed seed, so a run is reproducible and a pass on a
// developer's machine with that seed is a pass in CI; elsewhere each run draws a new seed and
// explores further (a failure prints its seed and path to replay it).
if (process.env.CI) fc.configureGlobal({ seed: 20_261_203 });
