OPENQASM 3.0;
include "stdgates.inc";
bit[2] sector;
bit[1] level;
bit[3] draw;
bit[2] frame_sector;
rz(-2.87674481064) $28;
sx $28;
rz(-pi) $28;
rz(-1.18274071872) $29;
sx $29;
cz $36, $29;
sx $29;
rz(-pi/2) $29;
cz $29, $28;
sx $28;
rz(0.732832949684) $28;
sx $29;
rz(1.44851321801) $29;
x $36;
rz(-0.264847842945) $36;
cz $29, $36;
sx $29;
rz(-2.34864245488) $29;
sx $29;
rz(1.74416730573) $29;
cz $28, $29;
sx $29;
rz(-3*pi/2) $29;
sx $36;
rz(-pi/4) $36;
sx $36;
rz(pi) $36;
cz $36, $29;
sx $29;
rz(2.18627603547) $29;
sx $29;
sx $36;
rz(0.61547970867) $36;
sx $36;
cz $36, $29;
rz(-pi/2) $29;
sx $29;
rz(-0.83797664679) $29;
sx $36;
rz(-pi/6) $36;
sx $36;
rz(2.79164652674) $36;
sector[0] = measure $28;
sector[1] = measure $29;
if (sector == 0) {
  rz(-pi) $28;
  sx $28;
  rz(2.05117740593) $28;
  sx $28;
  draw[1] = measure $28;
  if (draw[1]) {
    x $29;
  }
  frame_sector[0] = measure $28;
  frame_sector[1] = measure $29;
  if (frame_sector == 3) {
    x $36;
    rz(2.44170039989) $36;
  }
}
if (sector == 1) {
  x $28;
  reset $36;
  rz(-pi) $36;
  sx $36;
  rz(2.43656581003) $36;
  sx $36;
  draw[0] = measure $36;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(1.09041524766) $28;
    sx $28;
    draw[1] = measure $28;
    if (!draw[1]) {
      x $29;
    }
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(1.09041524766) $28;
    sx $28;
    draw[1] = measure $28;
    if (!draw[1]) {
      x $29;
    }
  }
}
if (sector == 2) {
  x $29;
  reset $36;
  rz(-pi) $36;
  sx $36;
  rz(2.43656581003) $36;
  sx $36;
  draw[0] = measure $36;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(1.09041524766) $28;
    sx $28;
    draw[1] = measure $28;
    if (!draw[1]) {
      x $29;
    }
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(1.09041524766) $28;
    sx $28;
    draw[1] = measure $28;
    if (!draw[1]) {
      x $29;
    }
  }
}
if (sector == 3) {
  sx $28;
  rz(-1.09041524766) $28;
  sx $28;
  x $29;
  draw[1] = measure $28;
  if (draw[1]) {
    x $29;
  }
  frame_sector[0] = measure $28;
  frame_sector[1] = measure $29;
  if (frame_sector == 0) {
    x $36;
    rz(2.44170039989) $36;
  }
}
rz(-0.732819680005) $29;
sx $29;
rz(-2.79164652674) $36;
sx $36;
rz(-7*pi/6) $36;
cz $29, $36;
rz(pi/2) $29;
sx $29;
rz(0.61547970867) $29;
sx $29;
sx $36;
rz(2.18627603547) $36;
sx $36;
cz $29, $36;
rz(-pi/2) $29;
sx $29;
rz(-0.173370978931) $29;
cz $28, $29;
rz(2.40875970391) $28;
sx $28;
rz(-pi) $28;
sx $29;
rz(-2.34864245488) $29;
sx $29;
rz(1.69307943558) $29;
rz(-3*pi/4) $36;
sx $36;
rz(-4.3474812418) $36;
cz $29, $36;
sx $29;
rz(3*pi/2) $29;
cz $29, $28;
sx $28;
rz(-0.264847842945) $28;
sx $29;
rz(-pi) $29;
cz $36, $29;
sx $29;
rz(1.18274071872) $29;
x $36;
rz(1.67085622244) $36;
