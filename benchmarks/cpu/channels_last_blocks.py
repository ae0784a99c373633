# SPDX-License-Identifier: Apache-2.0
# Does channels-last memory help LibTorch 1.13's CPU convolutions with GroupNorm? An encoder of four
# conv-GroupNorm-LeakyReLU stages at 256 px (batch 2, as a mirrored prediction) and 1024 px, fp32,
# contiguous against channels-last, median of 5 after a warm-up. (bf16 is left out: Python's
# autocast in torch 1.13 refuses GroupNorm on bf16 maps, which SinusSeg's C++ works around.)
#   /usr/bin/python3 benchmarks/cpu/channels_last_blocks.py
import time, torch, torch.nn as nn
torch.set_num_threads(2)
def block(i, o):
    return nn.Sequential(nn.Conv2d(i, o, 3, padding=1, bias=False), nn.GroupNorm(8, o), nn.LeakyReLU(0.01, True),
                         nn.Conv2d(o, o, 3, padding=1, bias=False), nn.GroupNorm(8, o), nn.LeakyReLU(0.01, True))
class Net(nn.Module):
    def __init__(s, c=32):
        super().__init__()
        s.enc = nn.ModuleList([block(1, c), block(c, 2*c), block(2*c, 4*c), block(4*c, 8*c)])
        s.pool = nn.MaxPool2d(2)
    def forward(s, x):
        for i, b in enumerate(s.enc):
            x = b(x if i == 0 else s.pool(x))
        return x
torch.manual_seed(0)
net = Net().eval()
for size, batch in ((256, 2), (1024, 1)):
    x = torch.randn(batch, 1, size, size)
    for precision in ("fp32",):  # see above for bf16
        for layout in ("contiguous", "channels_last"):
            m = net.to(memory_format=torch.channels_last) if layout == "channels_last" else net.to(memory_format=torch.contiguous_format)
            xi = x.to(memory_format=torch.channels_last) if layout == "channels_last" else x.contiguous()
            with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
                m(xi)
                times = []
                for _ in range(5):
                    t = time.perf_counter(); m(xi); times.append(time.perf_counter() - t)
            times.sort()
            print(f"{size} px batch {batch} {precision} {layout}: median {times[2]*1000:.0f} ms")
