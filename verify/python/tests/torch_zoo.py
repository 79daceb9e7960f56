"""Every standard torch.nn module kind initcheck.torch knows, as the tests
build them: (id, constructor). Sizes are small (the suite stays fast) but
each random tensor has enough values for the mutations of
test_torch_mutations.py to be detected with certainty (values outside a
uniform's support, exact zeros, variance ratios >= 4 at n >= 4096)."""
import os
import sys

import torch
from torch import nn

# DefaultModules: the module of verify/tools/fixtures/make_torch_fixtures.py
# that made default_modules.safetensors (one definition, in the fixture
# tools), so that its state_dict loads here.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "tools", "fixtures"))
from torch_default_modules import DefaultModules  # noqa: E402,F401


# Module kinds beyond the fixture's, and variants of its hyperparameters.
ZOO = [
    ("Linear", lambda: nn.Linear(128, 96)),
    ("Linear_nobias", lambda: nn.Linear(96, 160, bias=False)),
    ("Bilinear", lambda: nn.Bilinear(24, 20, 32)),
    ("Conv1d", lambda: nn.Conv1d(16, 48, 5)),
    ("Conv2d", lambda: nn.Conv2d(16, 64, 3)),
    ("Conv3d", lambda: nn.Conv3d(8, 24, 3)),
    ("Conv2d_depthwise", lambda: nn.Conv2d(64, 64, 5, groups=64)),
    ("Conv2d_grouped", lambda: nn.Conv2d(32, 64, 3, groups=4)),
    ("Conv2d_grouped_stride_dilation",
     lambda: nn.Conv2d(24, 48, (3, 5), stride=2, dilation=2, groups=3, padding_mode="reflect",
                       padding=2)),
    ("ConvTranspose1d", lambda: nn.ConvTranspose1d(32, 48, 5)),
    ("ConvTranspose2d_grouped", lambda: nn.ConvTranspose2d(32, 48, 3, groups=2)),
    ("ConvTranspose2d_depthwise", lambda: nn.ConvTranspose2d(32, 32, 4, groups=32)),
    ("ConvTranspose3d", lambda: nn.ConvTranspose3d(8, 24, 3)),
    ("Embedding", lambda: nn.Embedding(300, 32)),
    ("Embedding_padding", lambda: nn.Embedding(300, 32, padding_idx=7)),
    ("Embedding_padding_negative", lambda: nn.Embedding(300, 32, padding_idx=-1)),
    ("EmbeddingBag_padding", lambda: nn.EmbeddingBag(200, 32, mode="sum", padding_idx=2)),
    ("RNN_relu", lambda: nn.RNN(32, 64, nonlinearity="relu", num_layers=2)),
    ("LSTM", lambda: nn.LSTM(24, 48, num_layers=2, bidirectional=True)),
    ("LSTM_proj", lambda: nn.LSTM(24, 64, proj_size=16)),
    ("GRU", lambda: nn.GRU(24, 48, bias=False)),
    ("RNNCell", lambda: nn.RNNCell(24, 64)),
    ("LSTMCell", lambda: nn.LSTMCell(24, 48)),
    ("GRUCell", lambda: nn.GRUCell(24, 48)),
    ("MultiheadAttention", lambda: nn.MultiheadAttention(64, 4)),
    ("MultiheadAttention_nobias", lambda: nn.MultiheadAttention(64, 4, bias=False)),
    ("MultiheadAttention_kdim_vdim", lambda: nn.MultiheadAttention(64, 8, kdim=32, vdim=48)),
    ("MultiheadAttention_bias_kv", lambda: nn.MultiheadAttention(64, 4, add_bias_kv=True)),
    ("TransformerEncoderLayer", lambda: nn.TransformerEncoderLayer(64, 4, 128)),
    ("TransformerDecoderLayer_norm_first",
     lambda: nn.TransformerDecoderLayer(64, 4, 128, norm_first=True)),
    ("TransformerEncoder",
     lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(32, 4, 64), 2,
                                   norm=nn.LayerNorm(32))),
    ("Transformer",
     lambda: nn.Transformer(32, 4, num_encoder_layers=1, num_decoder_layers=1,
                            dim_feedforward=64)),
    ("LayerNorm", lambda: nn.LayerNorm((8, 16))),
    ("GroupNorm", lambda: nn.GroupNorm(4, 32)),
    ("BatchNorm1d", lambda: nn.BatchNorm1d(32)),
    ("BatchNorm2d", lambda: nn.BatchNorm2d(48)),
    ("BatchNorm3d_no_stats", lambda: nn.BatchNorm3d(16, track_running_stats=False)),
    ("SyncBatchNorm", lambda: nn.SyncBatchNorm(16)),
    ("InstanceNorm1d_affine", lambda: nn.InstanceNorm1d(16, affine=True)),
    ("InstanceNorm3d_stats",
     lambda: nn.InstanceNorm3d(16, affine=True, track_running_stats=True)),
    ("PReLU", lambda: nn.PReLU(num_parameters=32)),
    ("Sequential_CNN",
     lambda: nn.Sequential(nn.Conv2d(3, 32, 3), nn.BatchNorm2d(32), nn.ReLU(),
                           nn.Conv2d(32, 64, 3, groups=2), nn.GroupNorm(8, 64), nn.PReLU(),
                           nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))),
]


def build(make, seed, dtype=None):
    torch.manual_seed(seed)
    m = make()
    return m if dtype is None else m.to(dtype)
