// MQTT.js, the MQTT library of browser dashboards, against the server's MQTT
// over WebSocket (ws://HOST:PORT/mqtt, subprotocol "mqtt", MQTT 3.1.1).
//
// FUNDAMENT_BINARY names the server binary. The server runs on ephemeral
// ports in a fresh data directory; the HTTP port is read from its log.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';

const TIMEOUT_MS = 10000; // sanitizer builds are slow
const binary = process.env.FUNDAMENT_BINARY;

let server;
let dataDir;
let httpPort;
let output = '';

// Starts `fundament serve` and resolves with its HTTP port once it logged it.
function startServer() {
  return new Promise((resolve, reject) => {
    dataDir = mkdtempSync(join(tmpdir(), 'fundament-mqttjs-'));
    server = spawn(binary, ['serve', '--port', '0', '--mqtt-port', '0', '--host', '127.0.0.1',
      '--data', join(dataDir, 'data'), '--log-level', 'info']);
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 20000);
    const onLine = (line) => {
      if (!/"msg"\s*:\s*"listening"/.test(line) || /"protocol"\s*:\s*"mqtt"/.test(line)) return;
      const port = /"port"\s*:\s*"?(\d+)/.exec(line);
      if (port) {
        clearTimeout(timer);
        resolve(Number(port[1]));
      }
    };
    let pending = '';
    const onData = (chunk) => {
      output += chunk;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop();
      lines.forEach(onLine);
    };
    server.stdout.setEncoding('utf8').on('data', onData);
    server.stderr.setEncoding('utf8').on('data', onData);
    server.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
}

function stopServer() {
  return new Promise((resolve) => {
    if (server.exitCode !== null) return resolve(server.exitCode);
    server.removeAllListeners('exit');
    server.on('exit', (code) => resolve(code));
    server.kill('SIGTERM');
  });
}

async function api(method, path, body) {
  const response = await fetch(`http://127.0.0.1:${httpPort}/v1.1/${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : null };
}

// Creates a Thing with one Datastream (deep insert) and returns the Datastream's id.
async function createDatastream() {
  const created = await api('POST', 'Things', {
    name: 'MQTT.js test thing',
    description: 'a thing for the MQTT.js test',
    // Observations get their FeatureOfInterest from the Thing's Location.
    Locations: [{
      name: 'gauge site',
      description: 'where the gauge stands',
      encodingType: 'application/geo+json',
      location: { type: 'Point', coordinates: [10.5, 54.25] },
    }],
    Datastreams: [{
      name: 'water level',
      description: 'water level in cm',
      observationType: 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement',
      unitOfMeasurement: { name: 'centimetre', symbol: 'cm', definition: 'http://unitsofmeasure.org/ucum.html#cm' },
      Sensor: { name: 'gauge', description: 'a gauge', encodingType: 'application/pdf', metadata: 'none' },
      ObservedProperty: { name: 'water level', definition: 'http://example.org/water-level', description: 'level' },
    }],
  });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const datastreams = await api('GET', `${created.headers.get('location').split('/v1.1/')[1]}/Datastreams`);
  return datastreams.json.value[0]['@iot.id'];
}

// Resolves with the next message on `topic`, or rejects after TIMEOUT_MS.
function nextMessage(client, topic) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message on ${topic}`)), TIMEOUT_MS);
    timer.unref();
    client.once('message', (received, payload) => {
      clearTimeout(timer);
      resolve({ topic: received, body: JSON.parse(payload.toString('utf8')) });
    });
  });
}

function connect() {
  return mqtt.connectAsync(`ws://127.0.0.1:${httpPort}/mqtt`, {
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: TIMEOUT_MS,
  });
}

before(async () => {
  assert.ok(binary, 'set FUNDAMENT_BINARY to the server binary');
  httpPort = await startServer();
});

after(async () => {
  const code = await stopServer();
  rmSync(dataDir, { recursive: true, force: true });
  assert.equal(code, 0, `server must exit 0 after SIGTERM:\n${output.slice(-4000)}`);
});

test('the service root announces the WebSocket endpoint', async () => {
  const root = await api('GET', '');
  const settings = root.json.serverSettings;
  const receive = 'http://www.opengis.net/spec/iot_sensing/1.1/req/receive-updates-via-mqtt/receive-updates';
  assert.ok(settings[receive].endpoints.includes(`ws://127.0.0.1:${httpPort}/mqtt`), JSON.stringify(settings));
});

test('a subscriber receives an Observation created over HTTP', async () => {
  const datastream = await createDatastream();
  const topic = `v1.1/Datastreams(${datastream})/Observations`;
  const client = await connect();
  try {
    const granted = await client.subscribeAsync(topic, { qos: 0 });
    assert.equal(granted[0].qos, 0);
    const arriving = nextMessage(client, topic);
    arriving.catch(() => {}); // awaited below, unless the POST fails first
    const created = await api('POST', topic.slice('v1.1/'.length),
      { phenomenonTime: '2026-01-01T10:00:00Z', result: 42.5 });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const message = await arriving;
    assert.equal(message.topic, topic);
    assert.equal(message.body.result, 42.5);
    const stored = await fetch(message.body['@iot.selfLink']).then((r) => r.json());
    assert.deepEqual(message.body, stored);
  } finally {
    await client.endAsync();
  }
});

test('an Observation published over MQTT is created and read back over HTTP', async () => {
  const datastream = await createDatastream();
  const topic = `v1.1/Datastreams(${datastream})/Observations`;
  const client = await connect();
  try {
    // QoS 1: the PUBACK comes once the Observation is stored.
    await client.publishAsync(topic, JSON.stringify({ phenomenonTime: '2026-01-01T11:00:00Z', result: 7.25 }),
      { qos: 1 });
  } finally {
    await client.endAsync();
  }
  const observations = await api('GET', `Datastreams(${datastream})/Observations`);
  assert.equal(observations.status, 200);
  assert.deepEqual(observations.json.value.map((o) => o.result), [7.25]);
  assert.equal(Date.parse(observations.json.value[0].phenomenonTime), Date.parse('2026-01-01T11:00:00Z'));
});
