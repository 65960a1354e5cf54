// The seed's Node.js example (https.request with cert, key, rejectUnauthorized), pointed at
// intoss with its CA. Usage: node client.js URL CA_PEM [CERT_PEM KEY_PEM]
// Prints the body; exits 0 on HTTP 200, 1 on another status, 2 on a connection error.
const https = require('https');
const fs = require('fs');

const [url, ca, cert, key] = process.argv.slice(2);
const options = {
  ca: fs.readFileSync(ca),
  rejectUnauthorized: true,
  ...(cert ? { cert: fs.readFileSync(cert), key: fs.readFileSync(key) } : {}),
};

const req = https.request(url, { method: 'GET', ...options }, (res) => {
  let data = '';
  res.on('data', (chunk) => (data += chunk));
  res.on('end', () => {
    console.log(data);
    process.exit(res.statusCode === 200 ? 0 : 1);
  });
});
req.on('error', (e) => {
  console.error('connection error:', e.code || '', e.message);
  process.exit(2);
});
req.end();
