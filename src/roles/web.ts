import type Koa from 'koa';
import type Router from '@koa/router';
import type { Config } from '../config';
import type { Logger } from '../log';
import { createApp } from '../http/app';
import { aibotRoutes } from '../channels/wecom/aibot-routes';
import { appRoutes } from '../channels/wecom/app-routes';
import { WeComCrypto } from '../channels/wecom/crypto';
import type { Services } from './services';

export type WebConfig = Pick<
  Config,
  | 'WECOM_CORP_ID'
  | 'WECOM_AIBOT_TOKEN'
  | 'WECOM_AIBOT_ENCODING_AES_KEY'
  | 'WECOM_AIBOT_ID'
  | 'WECOM_APP_TOKEN'
  | 'WECOM_APP_ENCODING_AES_KEY'
  | 'WECOM_TIMESTAMP_WINDOW_SECONDS'
  | 'HTTP_BODY_LIMIT_BYTES'
  | 'STREAM_WINDOW_SECONDS'
>;

/** The web role: WeCom callbacks in, health and metrics out. */
export function buildWebApp(services: Services, config: WebConfig, log: Logger, now: () => Date = () => new Date()): Koa {
  const common = {
    intake: services.intake,
    metrics: services.metrics,
    now,
    timestampWindowSeconds: config.WECOM_TIMESTAMP_WINDOW_SECONDS,
    bodyLimitBytes: config.HTTP_BODY_LIMIT_BYTES,
  };
  const channels: Router[] = [];
  if (config.WECOM_AIBOT_TOKEN && config.WECOM_AIBOT_ENCODING_AES_KEY) {
    channels.push(
      aibotRoutes({
        ...common,
        crypto: new WeComCrypto({ token: config.WECOM_AIBOT_TOKEN, encodingAesKey: config.WECOM_AIBOT_ENCODING_AES_KEY, receiveId: '' }),
        aibotId: config.WECOM_AIBOT_ID ?? null,
        streams: services.streams,
        log: log.child({ channel: 'wecom_aibot' }),
        streamWindowSeconds: config.STREAM_WINDOW_SECONDS,
      }),
    );
  } else {
    log.warn('AI bot callbacks disabled: WECOM_AIBOT_TOKEN / WECOM_AIBOT_ENCODING_AES_KEY not set');
  }
  if (config.WECOM_APP_TOKEN && config.WECOM_APP_ENCODING_AES_KEY && config.WECOM_CORP_ID) {
    channels.push(
      appRoutes({
        ...common,
        crypto: new WeComCrypto({ token: config.WECOM_APP_TOKEN, encodingAesKey: config.WECOM_APP_ENCODING_AES_KEY, receiveId: config.WECOM_CORP_ID }),
        log: log.child({ channel: 'wecom_app' }),
      }),
    );
  } else {
    log.warn('app callbacks disabled: WECOM_APP_TOKEN / WECOM_APP_ENCODING_AES_KEY / WECOM_CORP_ID not set');
  }
  return createApp({ log, metrics: services.metrics, health: services.ping, channels });
}
