export * from './call-facts';
export * from './presence';
export * from './intervals';
export * from './billing';
export * from './csv';
export * from './queue-log';
export * from './window';
export * from './analytics-store';
