// Reference chat server: express + socket.io speaking the same event contract
// as ours, without persistence, so the benchmark has a known-good baseline.
"use strict";

const http = require("node:http");
const express = require("express");
const { Server } = require("socket.io");

const NICK_PATTERN = /^[A-Za-z0-9_.-]{1,32}$/;

const port = Number(process.env.PORT || process.argv[2] || 5001);
const app = express();
const server = http.createServer(app);
const io = new Server(server);
const connectedNicks = new Set();
let lastMessageId = 0;

app.get("/", (req, res) => res.send("reference chat server\n"));

io.use((socket, next) => {
  const nick = socket.handshake.auth && socket.handshake.auth.nick;
  if (typeof nick !== "string" || !NICK_PATTERN.test(nick)) {
    return next(new Error("invalid nickname"));
  }
  if (connectedNicks.has(nick)) {
    return next(new Error("nickname already in use"));
  }
  socket.data.nick = nick;
  return next();
});

io.on("connection", (socket) => {
  const nick = socket.data.nick;
  connectedNicks.add(nick);

  socket.on("join", (payload, ack) => {
    const room = payload && payload.room;
    if (typeof room !== "string" || room.length === 0) {
      return reply(ack, { ok: false, error: "invalid room" });
    }
    socket.join(room);
    return reply(ack, { ok: true, room, members: [], history: [] });
  });

  socket.on("chat message", (payload, ack) => {
    const room = payload && payload.room;
    const text = payload && payload.text;
    if (typeof text !== "string" || !socket.rooms.has(room)) {
      return reply(ack, { ok: false, error: "not in room" });
    }
    lastMessageId += 1;
    const message = { id: lastMessageId, room, nick, text, ts: Date.now() / 1000 };
    socket.to(room).emit("chat message", message);
    return reply(ack, { ok: true, id: message.id, ts: message.ts });
  });

  socket.on("disconnect", () => connectedNicks.delete(nick));
});

function reply(ack, body) {
  if (typeof ack === "function") {
    ack(body);
  }
}

server.listen(port, "127.0.0.1", () => {
  console.log(`reference chat server listening on 127.0.0.1:${port}`);
});
