import "./toggle.css";

interface ToggleProps {
  on: boolean;
  onChange: (on: boolean) => void;
}

/** A pill switch: grey when off, brand green when on. */
export function Toggle({ on, onChange }: ToggleProps) {
  return (
    <div className={on ? "toggle toggle--on" : "toggle"} onClick={() => onChange(!on)}>
      <div className="toggle__knob" />
    </div>
  );
}
