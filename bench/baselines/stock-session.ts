import { RedisStore } from 'connect-redis';
import express from 'express';
import session from 'express-session';
import { Redis } from 'ioredis';
import { benchSession, type BenchSession } from '../lib/session-fixture.js';

/**
 * Baseline `stock-session`: what most Express apps run, Express 5 + express-session + connect-redis 8 over ioredis
 * with the options every guide shows (resave false, saveUninitialized false, touch on). `POST /login` stores a session
 * shaped and sized like the BFF's; `GET /session` answers its user part like the BFF's `GET /api/session`.
 */
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const app = express();
app.use(
  session({
    name: 'stock.sid',
    secret: process.env.SESSION_SECRET ?? 'stock-session-secret-0123456789abcdef',
    store: new RedisStore({ client: redis, prefix: 'stock:' }),
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: 'lax' },
  }),
);

app.post('/login', (req, res) => {
  Object.assign(req.session, benchSession(Date.now(), Number(process.env.BENCH_JWT_LENGTH ?? 900)));
  res.json({ ok: true, sid: req.sessionID });
});

app.get('/session', (req, res) => {
  const s = req.session as unknown as Partial<BenchSession>;
  if (!s.user || !s.created) {
    res.status(401).json({ authenticated: false });
    return;
  }
  res.json({ authenticated: true, user: s.user, expires_at: new Date(s.created + 7 * 24 * 3600_000).toISOString() });
});

app.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1');
