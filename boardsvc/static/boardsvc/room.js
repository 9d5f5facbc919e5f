// room.js
