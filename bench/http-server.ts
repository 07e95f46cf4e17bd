// Child process for the HTTP benchmark's ceiling: a bare Express JSON route, nothing else.
// Prints its port on stdout.
import express from 'express';

const app = express();
app.post('/v1/verify', express.json(), (_req, res) => {
  res.json({ hello: 'world' });
});
const server = app.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`${typeof addr === 'object' && addr ? addr.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
