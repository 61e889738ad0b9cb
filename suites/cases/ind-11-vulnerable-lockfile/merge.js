const _ = require("lodash");

// Merges the saved preferences with the JSON body of PATCH /me/preferences.
function updatePreferences(saved, body) {
  return _.defaultsDeep({}, JSON.parse(body), saved);
}

module.exports = { updatePreferences };
