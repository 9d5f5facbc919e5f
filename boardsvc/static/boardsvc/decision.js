// decision.js
