/**
 * HTTP answers that say the server did not act on the request: 429 (rate limited) and the 5xx
 * of an outage or an overloaded proxy. Another attempt cannot do the work twice. Shared by the
 * Kubernetes collector and the Slack sink.
 */
export const RETRYABLE_HTTP_STATUS: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);
