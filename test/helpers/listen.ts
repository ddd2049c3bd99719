// The examples' helper is the one implementation: tests use it too, so both close servers the
// same way (ending kept-alive sockets).
export { listenOnLoopback } from '../../examples/support/listen.js';
