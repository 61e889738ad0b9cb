import { useEffect, useState } from "react";
import { fetchSettings, saveSettings, type Settings } from "../api/settings";
import { Toggle } from "../components/Toggle";
import "./settings.css";

export function SettingsPage() {
  const [settings, setSettings] = useState<Settings | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    fetchSettings().then(setSettings);
  }, []);

  if (!settings) return <div className="spinner" />;

  const update = (patch: Partial<Settings>) => {
    setSaved(false);
    setSettings({ ...settings, ...patch });
  };

  const onSave = async () => {
    if (!settings.displayName.trim()) {
      setError("Required");
      return;
    }
    setError(null);
    await saveSettings(settings);
    setSaved(true);
  };

  return (
    <div className="settings">
      <h1>Settings</h1>
      <h4 className="section-title">Profile</h4>
      <input
        className={error ? "field field--error" : "field"}
        placeholder="Display name"
        value={settings.displayName}
        onChange={(e) => update({ displayName: e.target.value })}
      />
      {error && <div className="error-text">{error}</div>}
      <select value={settings.language} onChange={(e) => update({ language: e.target.value })}>
        <option value="en">English</option>
        <option value="de">Deutsch</option>
        <option value="pt">Português</option>
      </select>

      <h4 className="section-title">Notifications</h4>
      <div className="row">
        <span>Email me about new orders</span>
        <Toggle on={settings.emailOrders} onChange={(on) => update({ emailOrders: on })} />
      </div>
      <div className="row">
        <span>Weekly summary</span>
        <Toggle on={settings.weeklySummary} onChange={(on) => update({ weeklySummary: on })} />
      </div>

      <span className="button button--primary" onClick={onSave}>
        Save
      </span>
      {saved && <div className="toast">Saved ✓</div>}
    </div>
  );
}
