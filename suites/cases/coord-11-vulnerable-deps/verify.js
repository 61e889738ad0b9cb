// Verifies the bearer token partners send on every request to the gateway.
const jwt = require("jsonwebtoken");
const _ = require("lodash");

const PARTNER_KEYS = require("../../config/partner-keys.json"); // kid -> PEM public key or shared secret

function verifyPartnerToken(req, res, next) {
  const header = req.headers.authorization || "";
  const token = header.replace(/^Bearer /, "");
  const decoded = jwt.decode(token, { complete: true });
  if (!decoded) return res.status(401).json({ error: "invalid token" });

  const key = PARTNER_KEYS[decoded.header.kid];
  if (!key) return res.status(401).json({ error: "unknown key" });

  try {
    // No algorithms option: the algorithm is taken from the token header.
    const claims = jwt.verify(token, key);
    req.partner = claims.sub;
  } catch (err) {
    return res.status(401).json({ error: "invalid token" });
  }
  next();
}

// Partners can send per-request options; merged over the defaults.
function requestOptions(req) {
  const defaults = { pageSize: 100, format: "json", includeArchived: false };
  return _.merge({}, defaults, req.body.options);
}

function renderReceipt(template, data) {
  return _.template(template)(data);
}

module.exports = { verifyPartnerToken, requestOptions, renderReceipt };
