/**
 * The Node options the inference process runs with (the inference pods' NODE_OPTIONS; the serve
 * bench starts the service with them too).
 *
 * A young generation of at most 16 MB per semi-space. Left to itself, V8 grows the young
 * generation to its 64 MB ceiling when many of its objects survive, which the background
 * precompute of every user's answer causes (138,000 strings kept), and never shrinks it under
 * load: every request then allocates through 64 MB that no cache holds. Measured with
 * `GET /v1/predict` on the ml-20m-shaped bench model, pinned to one core, two processes of each:
 * 29.5 and 26.7 µs of CPU a request by default, 24.1 and 23.7 with this (a service that never
 * precomputes settles at about 17 MB on its own and measured 23.1–25.3). 8 MB measured the same
 * as 16; 4 MB measured slower in an earlier session, on a slower machine with one process a side.
 */
export const SERVICE_NODE_OPTIONS = '--max-semi-space-size=16';
