import express from 'express';

/** Baseline `bare-express`: Express 5 answering a JSON hello, nothing else (the ceiling for any Express app). */
const app = express();
app.get('/', (_req, res) => {
  res.json({ hello: 'world' });
});
app.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1');
