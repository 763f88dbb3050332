#!/usr/bin/python3
"""PyTorch peer of the BornAgain.ML benchmark (run with Debian's python3-torch: /usr/bin/python3).

The same network as the library's PreActResNet-20 (parameter for parameter, checked by count), the same batch,
threads, optimizer and images, in PyTorch eager. One measured phase per process so that VmHWM is that phase's peak:

  pytorch_peer.py train  --data DIR --threads 2 --batch 64 --epochs 2 --warmup 5 [--augment] [--distill] [--channels-last]

Training is timed as the library's is: the whole run a user waits for (from the start of `train`, image decoding,
network creation and warm-up included; the import of torch before it, as the library's native load before its
clock) and the steady state (batch size / median step time after the warm-up steps). With --epochs it runs whole
epochs with the library's batches (a last partial batch, unless of one image); --steps N runs N steps after the
warm-up instead.
  pytorch_peer.py export --out model.onnx

Prints one JSON object on the last line of stdout.
"""
import argparse
import json
import os
import statistics
import time

_IMPORT_START = time.perf_counter()
import torch  # noqa: E402 (timed)
TORCH_IMPORT_SECONDS = time.perf_counter() - _IMPORT_START
import torch.nn as nn
import torch.nn.functional as F

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


class PreActBasicBlock(nn.Module):
    """BN-ReLU-conv3x3-BN-ReLU-conv3x3 plus shortcut; 1x1 projection of the pre-activated input on shape change."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.convShortcut = nn.Conv2d(cin, cout, 1, stride, bias=False) if cin != cout or stride != 1 else None

    def forward(self, x):
        pre = F.relu(self.bn1(x))
        shortcut = x if self.convShortcut is None else self.convShortcut(pre)
        residual = F.relu(self.bn2(self.conv1(pre)))
        return self.conv2(residual) + shortcut


class PreActResNet(nn.Module):
    """The twin of src/Microsoft.ML.BornAgain/Networks/ResNet/PreActResNet.cs (depth 6n+2, widths 16/32/64)."""

    def __init__(self, depth=20, in_channels=3, classes=10):
        super().__init__()
        n = (depth - 2) // 6
        self.conv1 = nn.Conv2d(in_channels, 16, 3, 1, 1, bias=False)
        self.layer1 = self._stage(16, 16, n, 1)
        self.layer2 = self._stage(16, 32, n, 2)
        self.layer3 = self._stage(32, 64, n, 2)
        self.bn1 = nn.BatchNorm2d(64)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, classes)
        for m in self.modules():  # same initialization as the library (He et al. 2015)
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.zeros_(m.bias)

    @staticmethod
    def _stage(cin, cout, blocks, stride):
        return nn.Sequential(PreActBasicBlock(cin, cout, stride), *[PreActBasicBlock(cout, cout, 1) for _ in range(blocks - 1)])

    def forward(self, x):
        x = self.layer3(self.layer2(self.layer1(self.conv1(x))))
        return self.fc(torch.flatten(self.avgpool(F.relu(self.bn1(x))), 1))


class Normalized(nn.Module):
    """Raw 0..255 pixels in, logits out: the normalization inside the graph, as the library applies it."""

    def __init__(self, net, mean, std):
        super().__init__()
        self.net = net
        self.register_buffer("mean", torch.tensor(mean).view(1, -1, 1, 1))
        self.register_buffer("std", torch.tensor(std).view(1, -1, 1, 1))

    def forward(self, x):
        return torch.softmax(self.net((x - self.mean) / self.std), dim=1)


def status_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def load_images(folder, count=0):
    """The first `count` images with classes interleaved, as the benchmark's CifarImages.Rows picks them."""
    from PIL import Image
    per_class = [sorted(os.path.join(folder, name, f) for f in os.listdir(os.path.join(folder, name)) if f.endswith(".jpg"))
                 for name in CLASSES]
    files = [(c[i], label) for i in range(max(map(len, per_class))) for label, c in enumerate(per_class) if i < len(c)]
    files = files[:count] if count > 0 else files
    images, labels = [], []
    for path, label in files:
        with Image.open(path) as image:
            images.append(torch.frombuffer(bytearray(image.convert("RGB").tobytes()), dtype=torch.uint8))
        labels.append(label)
    x = torch.stack(images).view(-1, 32, 32, 3).permute(0, 3, 1, 2).float().contiguous()
    return x, torch.tensor(labels, dtype=torch.int64)


def augment(images, generator, padding=4):
    """The library's BatchAugmentation: reflect-pad, random crop by gather, random horizontal flip (batch-wise)."""
    b, c, h, w = images.shape
    padded = F.pad(images, (padding,) * 4, mode="reflect")
    oy = torch.randint(2 * padding + 1, (b, 1), generator=generator)
    ox = torch.randint(2 * padding + 1, (b, 1), generator=generator)
    rows = (oy + torch.arange(h).unsqueeze(0)).view(b, 1, h, 1).expand(b, c, h, padded.shape[3])
    cols = (ox + torch.arange(w).unsqueeze(0)).view(b, 1, 1, w).expand(b, c, h, w)
    result = padded.gather(2, rows).gather(3, cols)
    flip = torch.rand((b, 1, 1, 1), generator=generator) < 0.5
    return torch.where(flip, result.flip(3), result)


def batches(n, batch, epochs, steps, generator):
    """(epoch, index tensor) per step: whole epochs as the library batches them, or `steps` steps wrapping around."""
    if epochs > 0:
        per_epoch = n // batch + (1 if n % batch >= 2 else 0)  # a last batch of one image is dropped, as there
        for epoch in range(epochs):
            order = torch.randperm(n, generator=generator)
            for b in range(per_epoch):
                yield epoch, order[b * batch:min(n, (b + 1) * batch)]
        return
    order, start, epoch = torch.randperm(n, generator=generator), 0, 0
    for _ in range(steps):
        if start + batch > n:
            start, epoch = 0, epoch + 1
            order = torch.randperm(n, generator=generator)
        yield epoch, order[start:start + batch]
        start += batch


def train(args):
    import resource
    usage_start = resource.getrusage(resource.RUSAGE_SELF)
    run_start = time.perf_counter()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    images, labels = load_images(os.path.join(args.data, "train"), args.count)
    decode_seconds = time.perf_counter() - run_start
    mean = images.transpose(0, 1).reshape(3, -1).double().mean(1).float().view(1, 3, 1, 1)
    std = images.transpose(0, 1).reshape(3, -1).double().std(1, unbiased=False).float().view(1, 3, 1, 1)
    net = PreActResNet()
    if args.channels_last:  # what a PyTorch user gets by opting in, as the library does on the CPU
        net = net.to(memory_format=torch.channels_last)
    params = sum(p.numel() for p in net.parameters())
    teacher = None
    if args.distill:
        teacher = PreActResNet().eval()
        if args.channels_last:
            teacher = teacher.to(memory_format=torch.channels_last)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=True)
    generator = torch.Generator().manual_seed(1)
    n = images.shape[0]
    step_times = []
    teacher_times = []  # the teacher's forward pass inside each distillation step, as the library's TeacherForward span
    rss_per_epoch = []
    net.train()
    loop_start = time.perf_counter()
    setup_seconds = loop_start - run_start - decode_seconds
    seen = 0
    last_epoch = 0
    for epoch, index in batches(n, args.batch, args.epochs, args.warmup + args.steps, generator):
        if epoch != last_epoch:
            rss_per_epoch.append(status_kb("VmRSS"))
            last_epoch = epoch
        t0 = time.perf_counter()
        x = images.index_select(0, index)
        y = labels.index_select(0, index)
        if args.augment:
            x = augment(x, generator)
        x = (x - mean) / std
        if args.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        if teacher is None:
            loss = F.cross_entropy(net(x), y)
        else:
            t1 = time.perf_counter()
            with torch.inference_mode():  # the teacher first, as the library runs it
                t = teacher(x)
            teacher_times.append(time.perf_counter() - t1)
            loss = -(torch.softmax(t, 1) * torch.log_softmax(net(x), 1)).sum(1).mean()  # BAN loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        loss.item()  # the same once-per-step synchronization as the library's metrics
        step_times.append(time.perf_counter() - t0)
        seen += index.shape[0]
    rss_per_epoch.append(status_kb("VmRSS"))
    end = time.perf_counter()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    timed = step_times[args.warmup:]
    median = statistics.median(timed)
    warmup = step_times[:args.warmup]
    whole = end - run_start
    print(json.dumps({
        "torch": torch.__version__, "threads": torch.get_num_threads(), "parameters": params,
        "batch": args.batch, "steps": len(step_times), "epochs": args.epochs, "images": seen,
        "augment": args.augment, "distill": args.distill, "channelsLast": args.channels_last,
        "imagesPerSecond": args.batch / median,  # steady state: robust on a shared machine, as the .NET side
        "meanImagesPerSecond": args.batch * len(timed) / sum(timed),
        "wholeSeconds": whole, "wholeImagesPerSecond": seen / whole,
        "loopImagesPerSecond": seen / (end - loop_start),  # decoding left out: what a student generation compares with
        "parts": {
            "decodeImages": round(decode_seconds, 3), "setup": round(setup_seconds, 3),
            "stepsAtMedian": round(median * len(step_times), 3),
            "warmupStepsAboveMedian": round(sum(warmup) - median * len(warmup), 3),
            "laterStepsAboveMedian": round(sum(timed) - median * len(timed), 3),
            "other": round(end - loop_start - sum(step_times), 3),
        },
        "userSeconds": usage.ru_utime - usage_start.ru_utime, "systemSeconds": usage.ru_stime - usage_start.ru_stime,
        "minorFaults": usage.ru_minflt - usage_start.ru_minflt,
        "medianStepMs": median * 1000, "firstStepMs": step_times[0] * 1000,
        "medianTeacherForwardMs": statistics.median(teacher_times[args.warmup:]) * 1000 if teacher else None,
        "torchImportSeconds": TORCH_IMPORT_SECONDS, "kernels": kernel_paths(),
        "peakRssMB": status_kb("VmHWM") / 1024, "rssPerEpochMB": [r / 1024 for r in rss_per_epoch],
        "finalRssMB": status_kb("VmRSS") / 1024,
    }))


def kernel_paths():
    """What this process's PyTorch was asked to run (the benchmark's --isa) and what it reports of its kernels."""
    info = {"ONEDNN_MAX_CPU_ISA": os.environ.get("ONEDNN_MAX_CPU_ISA", ""),
            "ATEN_CPU_CAPABILITY": os.environ.get("ATEN_CPU_CAPABILITY", ""),
            "mkldnn": torch.backends.mkldnn.is_available()}
    try:
        info["cpuCapability"] = torch.backends.cpu.get_cpu_capability()
    except AttributeError:  # PyTorch before 2.0
        config = torch.__config__.show()
        info["cpuCapability"] = next((line.split(":", 1)[1].strip() for line in config.splitlines()
                                      if "CPU capability usage" in line), "?")
    return info


def evaluate(args):
    """Raw batch evaluation throughput (inference mode), for reference next to the TorchSharp raw evaluation."""
    torch.set_num_threads(args.threads)
    images, _ = load_images(os.path.join(args.data, "test"))
    net = PreActResNet().eval()
    times = []
    with torch.inference_mode():
        for repeat in range(2):
            t0 = time.perf_counter()
            for s in range(0, images.shape[0], args.batch):
                net((images[s:s + args.batch] - 120.0) / 64.0)
            times.append(time.perf_counter() - t0)
    print(json.dumps({"imagesPerSecond": images.shape[0] / times[-1], "peakRssMB": status_kb("VmHWM") / 1024}))


def export(args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    net = PreActResNet().eval()
    model = Normalized(net, [125.3, 123.0, 113.9], [63.0, 62.1, 66.7]).eval()
    dummy = torch.zeros(1, 3, 32, 32)
    torch.onnx.export(model, dummy, args.out, input_names=["input"], output_names=["probabilities"],
                      dynamic_axes={"input": {0: "batch"}, "probabilities": {0: "batch"}}, opset_version=13)
    print(json.dumps({"onnx": args.out, "parameters": sum(p.numel() for p in net.parameters())}))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["train", "eval", "export", "count"])
    parser.add_argument("--data", default="")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=60, help="timed steps after the warm-up (when --epochs is 0)")
    parser.add_argument("--epochs", type=int, default=0, help="run whole epochs instead of --steps")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--count", type=int, default=0, help="use the first N training images (classes interleaved)")
    parser.add_argument("--augment", action="store_true")
    parser.add_argument("--distill", action="store_true")
    parser.add_argument("--channels-last", action="store_true", help="channels_last network and batches")
    parser.add_argument("--out", default="peer.onnx")
    args = parser.parse_args()
    if args.command == "train":
        train(args)
    elif args.command == "eval":
        evaluate(args)
    elif args.command == "export":
        export(args)
    else:
        print(json.dumps({"parameters": sum(p.numel() for p in PreActResNet().parameters())}))


if __name__ == "__main__":
    main()
