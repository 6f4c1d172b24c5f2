// Reference for bench/fanout.py: a bare socket.io 4 server doing the same broadcast as ours.
// Usage: node server.js PORT. Accepts any auth on /player; a token "sgb_<code>_..." where the
// board code is "B<province>-<commune>-<n>" joins the rooms our server would join (board, the
// areas from the country down); emits a small `state`. POST /trigger {"room": null|"area:01",
// "alert": {...}} broadcasts `alert`; GET /progress counts `alert_receipt`s per alert id.
const http = require("http");
const { Server } = require("socket.io");

const receipts = new Map(); // "id:version" -> displayed count
const server = http.createServer((req, res) => {
  let body = "";
  req.on("data", (chunk) => { body += chunk; });
  req.on("end", () => {
    if (req.method === "POST" && req.url === "/trigger") {
      const { room, alert } = JSON.parse(body);
      const target = room ? io.of("/player").to(room) : io.of("/player");
      target.emit("alert", alert);
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ id: alert.id, version: alert.version }));
    } else if (req.method === "GET" && req.url.startsWith("/progress")) {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify(Object.fromEntries(receipts)));
    } else if (req.method === "GET" && req.url === "/health") {
      res.end("ok");
    } else {
      res.writeHead(404);
      res.end();
    }
  });
});
const io = new Server(server, { transports: ["websocket"], serveClient: false });

io.of("/player").on("connection", (socket) => {
  const token = String((socket.handshake.auth || {}).token || "");
  const code = token.startsWith("sgb_") ? token.slice(4).split("_")[0] : "";
  const [prov, commune] = code.split("-");
  const rooms = [`board:${code}`, "area:VN"];
  if (prov) rooms.push(`area:${prov.slice(1)}`);
  if (commune) rooms.push(`area:${commune}`);
  socket.join(rooms);
  socket.emit("state", {
    board: { code, name: `Bảng tin ${code}` },
    profile: "led-192x96-mono",
    manifest_version: "0".repeat(64),
    server_time: new Date().toISOString(),
    alerts: [],
  });
  socket.on("alert_receipt", (r) => {
    if (r && r.status === "displayed") {
      const key = `${r.id}:${r.version}`;
      receipts.set(key, (receipts.get(key) || 0) + 1);
    }
  });
});

server.listen(Number(process.argv[2] || 8090), "127.0.0.1");
