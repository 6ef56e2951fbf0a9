export { startServer, type RunningServer, type ServerParts } from './server.ts';
export { createApp, type App, type AppParts } from './app.ts';
export { loadConfig, defaultConfig, type Config } from './config.ts';
export { FakeClock, systemClock, type Clock } from './clock.ts';
