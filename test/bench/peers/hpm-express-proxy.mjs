// http-proxy-middleware behind Express: what the user first asked to build the proxy on.
import express from 'express';
import { Agent } from 'node:http';
import { createProxyMiddleware } from 'http-proxy-middleware';

const app = express();
app.use(
  createProxyMiddleware({
    target: `http://127.0.0.1:${process.env.TARGET_PORT}`,
    changeOrigin: false,
    agent: new Agent({ keepAlive: true, maxSockets: 256 }),
  }),
);
app.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('proxy ready'));
