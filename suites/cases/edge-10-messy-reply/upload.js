// routes/upload.js
const express = require("express");
const router = express.Router();

router.post("/avatar", (req, res) => {
  const name = req.query.name;
  const file = req.files.avatar;
  file.mv(`/var/www/uploads/${name}`, (err) => {
    if (err) return res.status(500).send(err);
    res.send(`<p>Uploaded ${name}</p>`);
  });
});

module.exports = router;
