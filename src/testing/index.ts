export { instantClock, useInstantRetries, type InstantClock } from './instant-clock.js';
