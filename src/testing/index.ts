export { instantClock, useInstantRetries, type InstantClock } from './instant-clock.js';
export {
  injectFaults,
  seededRandom,
  type FaultCounters,
  type FaultPlan,
  type FaultRates,
  type FaultStep,
  type Injected,
  type InjectFaultsOptions,
  type InjectedFault,
} from './inject-faults.js';
