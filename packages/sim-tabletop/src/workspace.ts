/**
 * Language-Table's workspace and control constants (language_table/environments/constants.py).
 * x runs from the robot base (top of the image, "up") to the far side ("down"); y from left to right.
 */
export const X_MIN = 0.15;
export const X_MAX = 0.6;
export const Y_MIN = -0.3048;
export const Y_MAX = 0.3048;
export const CENTER_X = (X_MAX - X_MIN) / 2 + X_MIN;
export const CENTER_Y = (Y_MAX - Y_MIN) / 2 + Y_MIN;
/** Targets of relative tasks must lie this far inside the workspace (WORKSPACE_BOUNDS_BUFFER). */
export const WORKSPACE_BOUNDS_BUFFER = 0.08;
/** Actions are delta xy in metres, clipped per axis to +-MAX_ACTION. */
export const MAX_ACTION = 0.1;
/** Control rate: 10 Hz. */
export const CONTROL_HZ = 10;
/** Where the effector starts (Language-Table's initial arm translation). */
export const EFFECTOR_START: readonly [number, number] = [0.3, -0.2];
/** Radius of the disc end effector (m). */
export const EFFECTOR_RADIUS = 0.012;

export function targetInsideBounds(x: number, y: number, buffer = WORKSPACE_BOUNDS_BUFFER): boolean {
  return x > X_MIN + buffer && x < X_MAX - buffer && y > Y_MIN + buffer && y < Y_MAX - buffer;
}
