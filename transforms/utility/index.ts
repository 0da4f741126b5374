export * from './ensure-channel-first.js';
