import { useState } from "react";

export function SignupForm({ onSubmit }: { onSubmit: (email: string, password: string) => void }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState("");

  return (
    <div className="form">
      <input placeholder="Email" value={email} onChange={(e) => setEmail(e.target.value)} />
      <input type="password" placeholder="Password" value={password} onChange={(e) => setPassword(e.target.value)} />
      {error && <div style={{ color: "#ff8a8a" }}>{error}</div>}
      <div
        className="btn-primary"
        onClick={() => {
          if (password.length < 12) return setError("Password too short");
          onSubmit(email, password);
        }}
      >
        Create account
      </div>
    </div>
  );
}
