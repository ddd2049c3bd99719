// The examples' local stream server is the one implementation: tests and examples share it.
export { startStreamServer, type StreamServer } from '../../examples/support/stream-server.js';
