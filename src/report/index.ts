export { provenanceBanner, renderJunit, renderMarkdown } from "./render.js";
export { minSamplesForQuantileCi, passAtK, passHatK, percentile, wilson } from "./stats.js";
export { type LatencyStats, type RateStats, type Summary, summarize, type TierStats } from "./summary.js";
export { writeRunOutputs } from "./write.js";
