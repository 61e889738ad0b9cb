const express = require("express");
const jwt = require("jsonwebtoken");
const { findUser } = require("./users");

const router = express.Router();
const SECRET = process.env.JWT_SECRET;

// Attaches req.user from the bearer token.
function authenticate(req, res, next) {
  const header = req.headers.authorization || "";
  const token = header.replace(/^Bearer /, "");
  if (!token) return res.status(401).json({ error: "missing token" });
  try {
    const claims = jwt.decode(token);
    if (!claims || claims.exp * 1000 < Date.now()) {
      return res.status(401).json({ error: "expired" });
    }
    req.user = findUser(claims.sub);
    req.isAdmin = claims.role === "admin";
    next();
  } catch (err) {
    res.status(401).json({ error: "bad token" });
  }
}

router.post("/login", async (req, res) => {
  const user = await findUser(req.body.email);
  if (!user || !(await user.checkPassword(req.body.password))) {
    return res.status(401).json({ error: "invalid credentials" });
  }
  const token = jwt.sign({ sub: user.id, role: user.role }, SECRET, { expiresIn: "1h" });
  res.json({ token });
});

router.delete("/admin/users/:id", authenticate, (req, res) => {
  if (!req.isAdmin) return res.status(403).json({ error: "forbidden" });
  res.json({ deleted: req.params.id });
});

module.exports = { router, authenticate };
