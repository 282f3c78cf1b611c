/** The message contracts of Met-db's topics and the events it receives (docs/messages.md). */
export * from './aggregate-message.js';
export * from './edge-message.js';
export * from './mosaic-message.js';
export * from './outputs-message.js';
export * from './parse-message.js';
export * from './pubsub-cloud-event.js';
export * from './registration-params.js';
export * from './reprocess-message.js';
export * from './storage-event.js';
export * from './tile-message.js';
