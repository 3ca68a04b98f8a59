export * from './auth';
export * from './catalog';
export * from './customers';
export * from './orders';
export * from './payments';
export * from './subscriptions';
export * from './webhooks';
export * from './audit';
