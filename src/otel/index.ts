/**
 * `tenacious/otel`: OpenTelemetry spans and metrics for every retry run. The only entry that
 * imports `@opentelemetry/api` (an optional peer dependency).
 */
export { instrument, type InstrumentOptions } from './instrument.js';
export { ATTR, METRIC } from './names.js';
