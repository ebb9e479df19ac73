// Fails unless a NATS server with JetStream answers on 127.0.0.1:4222.
import { connect } from 'nats';

const nc = await connect({ servers: process.env.NATS_TEST_URL ?? 'nats://127.0.0.1:4222', timeout: 5000 });
try {
  const jsm = await nc.jetstreamManager();
  const info = await jsm.getAccountInfo();
  console.log(`NATS JetStream available (streams: ${info.streams})`);
} finally {
  await nc.close();
}
