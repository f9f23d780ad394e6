/** The inference pods' NODE_OPTIONS. The precompute keeps many strings alive, so V8 grows the young
 * generation to its 64 MB ceiling and never shrinks it, which slows every request; this caps it. */
export const SERVICE_NODE_OPTIONS = '--max-semi-space-size=16';
