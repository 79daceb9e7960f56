#!/usr/bin/python3
"""NumPy reads what `initcheck fill` writes: every scheme x f32/f64/f16/bf16.

For each case: the .npy loads with numpy.load, with the requested shape and
dtype (bf16 is stored as 2-byte void, '|V2', and widened by a 16-bit shift),
and the values have the target's moments: |z| < 6 for the mean (a false
alarm rate of 2e-9 per case) and the variance within 3% (n = 294912: the
standard error of the variance ratio is sqrt(2/n) = 0.26% for normals, 0.21%
for uniforms, so 3% is > 11 standard errors), computed here from the
published formulas (He et al. 2015; Glorot & Bengio 2010; truncated-normal
variance from the Mills ratio). Structured schemes: exact values, orthogonal
rows, zeros per column. Exit 0 all good, 1 a failure, 77 no NumPy/SciPy
(ctest then reports the test as skipped).

  check_fill_with_numpy.py PATH/TO/initcheck WORKDIR
"""
import math, os, subprocess, sys
try:
    import numpy as np
    from scipy import stats
except ImportError:
    print("SKIP: NumPy/SciPy not installed (apt-get install python3-numpy python3-scipy)")
    sys.exit(77)
CLI = sys.argv[1]
WORK = sys.argv[2]
os.makedirs(WORK, exist_ok=True)
shape=(256,128,3,3)  # torch [out,in,kh,kw]: fan_in=128*9=1152, fan_out=256*9=2304
fi,fo=1152,2304
def tn_var(a,b):  # standard normal truncated to [a,b]
    Z=stats.norm.cdf(b)-stats.norm.cdf(a)
    return 1+(a*stats.norm.pdf(a)-b*stats.norm.pdf(b))/Z-((stats.norm.pdf(a)-stats.norm.pdf(b))/Z)**2
cases={
 "zeros":(0,0),"ones":(1,0),"constant(value=0.3)":(0.3,0),
 "uniform(a=-1,b=2)":(0.5,9/12),"normal(mean=0.1,std=0.5)":(0.1,0.25),
 "trunc_normal(std=0.02,a=-0.04,b=0.04)":(0,0.02**2*tn_var(-2,2)),
 "xavier_uniform":(0,2/(fi+fo)),"xavier_normal(gain=2)":(0,4*2/(fi+fo)),
 "kaiming_uniform(a=sqrt(5))":(0,(2/(1+5))/fi),"kaiming_normal(mode=fan_out,nonlinearity=relu)":(0,2/fo),
 "orthogonal":(0,None),"sparse(sparsity=0.1)":(None,None),"eye":(None,None),"dirac":(None,None),
 "he_normal":(0,2/fi),"he_uniform":(0,2/fi),"lecun_normal":(0,1/fi),"lecun_uniform":(0,1/fi),
 "glorot_uniform":(0,2/(fi+fo)),"glorot_normal":(0,2/(fi+fo)),
 "variance_scaling(scale=3,mode=fan_avg,distribution=uniform)":(0,3/((fi+fo)/2)),
 "truncated_normal(stddev=0.05)":(0,0.05**2*tn_var(-2,2)),"random_normal":(0,0.05**2),"random_uniform":(0,0.1**2/12),
 "identity":(None,None),"delta_orthogonal":(None,None),
}
bad=0
for dt in ["f32","f64","f16","bf16"]:
  for s,(m,v) in cases.items():
    shp = shape
    if s in ("eye","identity"): shp=(64,96)
    if s.startswith("sparse"): shp=(512,256)
    lay = ["--layout","jax"] if s=="delta_orthogonal" else []
    if s=="delta_orthogonal": shp=(3,3,64,128)
    out=os.path.join(WORK, "w.npy")
    r=subprocess.run([CLI,"fill",s,"--shape",",".join(map(str,shp)),"--dtype",dt,"--seed","3","-o",out,"-q"]+lay,capture_output=True,text=True)
    if r.returncode!=0:
        print("FILLERR",dt,s,r.stderr.strip()); bad+=1; continue
    if dt=="bf16":
        raw=np.load(out) if False else None
        a=(np.load(out).view(np.uint16).astype(np.uint32)<<16).view(np.float32)
    else:
        a=np.load(out)
    want={"f32":np.float32,"f64":np.float64,"f16":np.float16}.get(dt)
    ok = a.shape==shp and (want is None or a.dtype==want)
    x=a.astype(np.float64) if a.dtype.kind=='f' else None
    msg=""
    if x is not None and m is not None and v is not None:
        n=x.size; se_m=math.sqrt(max(v,1e-300)/n)
        if v==0:
            rd={"f32":np.float32,"f64":np.float64,"f16":np.float16,"bf16":np.float32}[dt]
            ok = ok and np.all(x==np.float64(rd(m))) if dt!="bf16" else ok and np.all(np.abs(x-m)<=abs(m)*2**-8)
        else:
            zm=(x.mean()-m)/se_m; rv=x.var()/v
            ok = ok and abs(zm)<6 and abs(rv-1)<0.03
            msg=f"z_mean={zm:+.2f} var_ratio={rv:.4f}"
    if s.startswith("sparse"):
        z=(x==0).sum(axis=0); # f16/bf16: a few N(0, 0.01^2) draws may round to 0 (|x| < 3e-8 in f16)
        ok = ok and (np.all(z==math.ceil(0.1*512)) if dt in ("f32","f64") else np.all(z>=math.ceil(0.1*512)) and z.sum()-math.ceil(0.1*512)*z.size<=3); nz=x[x!=0]; rv=nz.var()/0.01**2; ok=ok and abs(rv-1)<0.05; msg=f"zeros/col={set(z.tolist())} var_ratio={rv:.4f}"
    if s=="delta_orthogonal":
        W=x[1,1]; G=W@W.T; err=np.abs(G-np.eye(64)).max(); rest=np.abs(x).sum()-np.abs(W).sum(); ok=ok and err<{"f64":1e-12,"f32":1e-5,"f16":5e-2,"bf16":1e-1}[dt] and rest==0; msg=f"|WW^T-I|={err:.2e} off-centre sum={rest}"
    if s=="orthogonal" and x is not None:
        W=x.reshape(shp[0],-1); G=W@W.T; err=np.abs(G-np.eye(shp[0])).max(); ok=ok and err<{"f64":1e-12,"f32":1e-5,"f16":5e-2,"bf16":1e-1}[dt]; msg=f"|WW^T-I|={err:.2e}"
    if not ok: bad+=1
    print("ok " if ok else "BAD", dt, s, a.shape, a.dtype, msg)
print(f"{bad} bad of {4*len(cases)} cases")
sys.exit(1 if bad else 0)
