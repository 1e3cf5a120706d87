//! openh264's C API through `openh264-sys2`: the crate's only `unsafe` code.
//!
//! The `openh264` crate's safe `Encoder` fills openh264's `SEncParamExt` itself and calls
//! `InitializeExt` on the first frame, so three settings framecast needs cannot be reached
//! through it: CABAC (`iEntropyCodingModeFlag` with a Main profile), several slices per picture
//! (`SM_FIXEDSLCNUM_SLICE`, the only way openh264 uses more than one thread), and a quiet log
//! *before* `InitializeExt` (which otherwise prints a frame-skip warning to stderr). This module
//! creates the encoder itself: `WelsCreateSVCEncoder`, `GetDefaultParams`, `SetOption`
//! (trace level, allowed before initialisation by `welsEncoderExt.cpp`), `InitializeExt`,
//! `EncodeParameterSets`, `EncodeFrame`, `ForceIntraFrame`, `Uninitialize` and
//! `WelsDestroySVCEncoder`. Everything else in the crate is safe Rust over [`RawEncoder`].

use std::ffi::{c_int, c_uint, c_void};
use std::ptr::null_mut;

use openh264_sys2::{
    API, CAMERA_VIDEO_REAL_TIME, CONSTANT_ID, DEBLOCKING_IDC_0, DynamicAPI,
    ENCODER_OPTION_DATAFORMAT, ENCODER_OPTION_TRACE_LEVEL, HIGH_COMPLEXITY, ISVCEncoder,
    LOW_COMPLEXITY, MEDIUM_COMPLEXITY, PRO_BASELINE, PRO_MAIN, RC_BITRATE_MODE, RC_QUALITY_MODE,
    SEncParamExt, SFrameBSInfo, SM_FIXEDSLCNUM_SLICE, SM_SINGLE_SLICE, SSourcePicture,
    WELS_LOG_QUIET, videoFormatI420, videoFrameTypeSkip,
};

use crate::{Error, Result, Speed};

/// Everything framecast sets in openh264's `SEncParamExt`, in safe terms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Settings {
    /// Coded picture size (at least 16x16, even).
    pub(crate) size: (u32, u32),
    /// `RC_BITRATE_MODE` when true, else `RC_QUALITY_MODE`.
    pub(crate) bitrate_mode: bool,
    /// Target bit/s.
    pub(crate) bps: u32,
    /// QP range.
    pub(crate) qp: (u8, u8),
    /// Frame rate openh264 budgets with (already clamped to 1..=60).
    pub(crate) fps: f32,
    /// Complexity mode.
    pub(crate) speed: Speed,
    /// IDR period in frames.
    pub(crate) intra_period: u32,
    /// Minimum `level_idc` (openh264 raises it when its own table asks for more).
    pub(crate) level_idc: u8,
    /// CABAC and Main profile when true, CAVLC and (Constrained) Baseline when false.
    pub(crate) cabac: bool,
    /// Slices per picture, each coded by its own openh264 thread (1 = single slice, 1 thread).
    pub(crate) slices: u16,
    /// `bEnableFrameSkip`.
    pub(crate) frame_skip: bool,
}

/// One source picture in I420 with its strides.
pub(crate) struct Picture<'a> {
    /// Luma size.
    pub(crate) size: (u32, u32),
    /// Y, U and V rows start every `strides[i]` bytes.
    pub(crate) strides: [usize; 3],
    /// Y, U and V planes.
    pub(crate) planes: [&'a [u8]; 3],
}

impl Picture<'_> {
    /// Whether every plane holds its rows at its stride (openh264 reads exactly that area).
    fn is_complete(&self) -> bool {
        let (w, h) = (self.size.0 as usize, self.size.1 as usize);
        let sizes = [(w, h), (w / 2, h / 2), (w / 2, h / 2)];
        self.planes
            .iter()
            .zip(self.strides)
            .zip(sizes)
            .all(|((plane, stride), (cols, rows))| {
                stride >= cols
                    && i32::try_from(stride).is_ok()
                    && rows > 0
                    && plane.len() >= stride * (rows - 1) + cols
            })
    }
}

/// One `EncodeFrame` result: NAL units with their Annex-B start codes, borrowed from openh264's
/// output buffer until the next call on the encoder.
pub(crate) struct Coded<'a> {
    /// openh264 skipped the picture (rate control) and produced nothing.
    pub(crate) skipped: bool,
    /// NAL units in decoding order.
    pub(crate) nals: Vec<&'a [u8]>,
}

/// The vtable entries framecast calls, resolved once.
#[derive(Clone, Copy)]
struct Calls {
    initialize_ext: unsafe extern "C" fn(*mut ISVCEncoder, *const SEncParamExt) -> c_int,
    get_default_params: unsafe extern "C" fn(*mut ISVCEncoder, *mut SEncParamExt) -> c_int,
    uninitialize: unsafe extern "C" fn(*mut ISVCEncoder) -> c_int,
    encode_frame:
        unsafe extern "C" fn(*mut ISVCEncoder, *const SSourcePicture, *mut SFrameBSInfo) -> c_int,
    encode_parameter_sets: unsafe extern "C" fn(*mut ISVCEncoder, *mut SFrameBSInfo) -> c_int,
    force_intra_frame: unsafe extern "C" fn(*mut ISVCEncoder, bool) -> c_int,
    set_option: unsafe extern "C" fn(*mut ISVCEncoder, c_int, *mut c_void) -> c_int,
}

/// An initialised openh264 encoder instance, owned exclusively.
pub(crate) struct RawEncoder {
    api: DynamicAPI,
    encoder: *mut ISVCEncoder,
    calls: Calls,
    initialized: bool,
    /// openh264 writes its output description here (about 6 KiB, so boxed).
    info: Box<SFrameBSInfo>,
}

// SAFETY: the instance is owned by this value alone and every call goes through `&mut self`, so
// it is never used from two threads at once; openh264 keeps no thread-affine state in it (its
// slice worker threads are internal and joined by `Uninitialize`), which is also what the
// `openh264` crate relies on for its own `Send` encoder.
unsafe impl Send for RawEncoder {}

fn failed(call: &'static str, code: c_int) -> Error {
    Error::Openh264 {
        call,
        message: format!("returned {code}"),
    }
}

fn check(call: &'static str, code: c_int) -> Result<()> {
    if code == 0 {
        Ok(())
    } else {
        Err(failed(call, code))
    }
}

/// Fills openh264's parameter structure (starting from `GetDefaultParams`' values).
fn fill(p: &mut SEncParamExt, s: &Settings) {
    let to_int = |v: u32| c_int::try_from(v).unwrap_or(c_int::MAX);
    p.iUsageType = CAMERA_VIDEO_REAL_TIME;
    p.iPicWidth = to_int(s.size.0);
    p.iPicHeight = to_int(s.size.1);
    p.iRCMode = if s.bitrate_mode {
        RC_BITRATE_MODE
    } else {
        RC_QUALITY_MODE
    };
    p.bEnableFrameSkip = s.frame_skip;
    p.iTargetBitrate = to_int(s.bps);
    p.bEnableDenoise = false;
    p.fMaxFrameRate = s.fps;
    p.eSpsPpsIdStrategy = CONSTANT_ID;
    p.iMultipleThreadIdc = s.slices;
    // Fixed slice boundaries: with load balancing openh264 moves them between pictures by
    // timing, so the output would change from run to run.
    p.bUseLoadBalancing = false;
    // Scene-change detection inserts I pictures the bitrate mode does not budget for and moves
    // IDRs off the keyint grid (see the README).
    p.bEnableSceneChangeDetect = false;
    p.bEnableAdaptiveQuant = true;
    p.bEnableBackgroundDetection = true;
    p.bEnableLongTermReference = false;
    p.iComplexityMode = match s.speed {
        Speed::Fast => LOW_COMPLEXITY,
        Speed::Medium => MEDIUM_COMPLEXITY,
        Speed::Slow => HIGH_COMPLEXITY,
    };
    p.uiIntraPeriod = s.intra_period;
    p.iLoopFilterDisableIdc = DEBLOCKING_IDC_0 as c_int;
    p.iMinQp = c_int::from(s.qp.0);
    p.iMaxQp = c_int::from(s.qp.1);
    p.iEntropyCodingModeFlag = c_int::from(s.cabac);
    p.iSpatialLayerNum = 1;
    p.iTemporalLayerNum = 1;
    p.iLtrMarkPeriod = 30;
    let layer = &mut p.sSpatialLayers[0];
    layer.uiProfileIdc = if s.cabac { PRO_MAIN } else { PRO_BASELINE };
    layer.uiLevelIdc = c_int::from(s.level_idc);
    // A placeholder that makes openh264 write a VUI; framecast rewrites its colour fields.
    layer.bVideoSignalTypePresent = true;
    layer.bColorDescriptionPresent = true;
    layer.bFullRange = false;
    layer.uiColorPrimaries = 1;
    layer.uiTransferCharacteristics = 1;
    layer.uiColorMatrix = 1;
    layer.iMaxSpatialBitrate = to_int(s.bps);
    layer.iSpatialBitrate = to_int(s.bps);
    layer.fFrameRate = s.fps;
    layer.iVideoWidth = to_int(s.size.0);
    layer.iVideoHeight = to_int(s.size.1);
    let slices = &mut layer.sSliceArgument;
    if s.slices > 1 {
        slices.uiSliceMode = SM_FIXEDSLCNUM_SLICE;
        slices.uiSliceNum = c_uint::from(s.slices);
    } else {
        slices.uiSliceMode = SM_SINGLE_SLICE;
        slices.uiSliceNum = 1;
    }
}

impl RawEncoder {
    /// Creates and initialises an encoder with openh264's log silenced.
    pub(crate) fn new(settings: &Settings) -> Result<Self> {
        let api = DynamicAPI::from_source();
        let mut encoder: *mut ISVCEncoder = null_mut();
        // SAFETY: `WelsCreateSVCEncoder` writes a new instance pointer to the valid location
        // given, or leaves it null and returns non-zero.
        let code = unsafe { api.WelsCreateSVCEncoder(&raw mut encoder) };
        if code != 0 || encoder.is_null() {
            return Err(failed("WelsCreateSVCEncoder", code));
        }
        // SAFETY: a created instance points to its vtable pointer, which points to a vtable
        // that lives as long as the library (static in openh264's C++ code).
        let vtbl = unsafe { **encoder };
        let calls = (|| {
            Some(Calls {
                initialize_ext: vtbl.InitializeExt?,
                get_default_params: vtbl.GetDefaultParams?,
                uninitialize: vtbl.Uninitialize?,
                encode_frame: vtbl.EncodeFrame?,
                encode_parameter_sets: vtbl.EncodeParameterSets?,
                force_intra_frame: vtbl.ForceIntraFrame?,
                set_option: vtbl.SetOption?,
            })
        })();
        let Some(calls) = calls else {
            // SAFETY: the instance was just created by this API and is not used again.
            unsafe { api.WelsDestroySVCEncoder(encoder) };
            return Err(Error::Openh264 {
                call: "WelsCreateSVCEncoder",
                message: "a vtable entry is missing".to_string(),
            });
        };
        // From here on, `Drop` destroys the instance on every return path.
        let mut this = Self {
            api,
            encoder,
            calls,
            initialized: false,
            info: Box::default(),
        };

        let mut quiet: c_int = WELS_LOG_QUIET;
        // SAFETY: the instance is live; ENCODER_OPTION_TRACE_LEVEL reads one int from the
        // pointer and is accepted before initialisation (`SetOption` in welsEncoderExt.cpp).
        let code = unsafe {
            (this.calls.set_option)(
                this.encoder,
                ENCODER_OPTION_TRACE_LEVEL,
                (&raw mut quiet).cast(),
            )
        };
        check("SetOption(TRACE_LEVEL)", code)?;

        let mut params = SEncParamExt::default();
        // SAFETY: the instance is live and `params` is a valid, writable SEncParamExt.
        let code = unsafe { (this.calls.get_default_params)(this.encoder, &raw mut params) };
        check("GetDefaultParams", code)?;
        fill(&mut params, settings);
        // SAFETY: the instance is live and `params` is a fully initialised SEncParamExt that
        // openh264 only reads (it copies it).
        let code = unsafe { (this.calls.initialize_ext)(this.encoder, &raw const params) };
        check("InitializeExt", code)?;
        this.initialized = true;

        let mut format: c_int = videoFormatI420;
        // SAFETY: the instance is initialised; ENCODER_OPTION_DATAFORMAT reads one int.
        let code = unsafe {
            (this.calls.set_option)(
                this.encoder,
                ENCODER_OPTION_DATAFORMAT,
                (&raw mut format).cast(),
            )
        };
        check("SetOption(DATAFORMAT)", code)?;
        Ok(this)
    }

    /// The SPS and PPS NAL units (with start codes) openh264 will put in front of every IDR.
    pub(crate) fn parameter_sets(&mut self) -> Result<Vec<&[u8]>> {
        // SAFETY: the instance is initialised and `info` is a valid, writable SFrameBSInfo.
        let code = unsafe { (self.calls.encode_parameter_sets)(self.encoder, &raw mut *self.info) };
        check("EncodeParameterSets", code)?;
        self.output()
    }

    /// Encodes one picture; `timestamp_ms` feeds openh264's rate-control statistics.
    pub(crate) fn encode(&mut self, picture: &Picture<'_>, timestamp_ms: i64) -> Result<Coded<'_>> {
        if !picture.is_complete() {
            return Err(Error::UnexpectedOutput {
                reason: "a picture plane shorter than its size and stride",
            });
        }
        let stride = |i: usize| c_int::try_from(picture.strides[i]).unwrap_or(c_int::MAX);
        let source = SSourcePicture {
            iColorFormat: videoFormatI420,
            iStride: [stride(0), stride(1), stride(2), 0],
            // openh264 takes `*mut` but only reads the source picture (it is `const
            // SSourcePicture*` and its pre-processing copies the planes).
            pData: [
                picture.planes[0].as_ptr().cast_mut(),
                picture.planes[1].as_ptr().cast_mut(),
                picture.planes[2].as_ptr().cast_mut(),
                null_mut(),
            ],
            iPicWidth: c_int::try_from(picture.size.0).unwrap_or(c_int::MAX),
            iPicHeight: c_int::try_from(picture.size.1).unwrap_or(c_int::MAX),
            uiTimeStamp: timestamp_ms,
            bPsnrY: false,
            bPsnrU: false,
            bPsnrV: false,
        };
        // SAFETY: the instance is initialised; `source` points to planes that hold `size` at
        // their strides (checked by `is_complete` above) and outlive the call; `info` is a
        // valid, writable SFrameBSInfo.
        let code = unsafe {
            (self.calls.encode_frame)(self.encoder, &raw const source, &raw mut *self.info)
        };
        check("EncodeFrame", code)?;
        let skipped = self.info.eFrameType == videoFrameTypeSkip || self.info.iLayerNum == 0;
        let nals = if skipped { Vec::new() } else { self.output()? };
        Ok(Coded { skipped, nals })
    }

    /// Makes the next picture an IDR.
    pub(crate) fn force_idr(&mut self) -> Result<()> {
        // SAFETY: the instance is initialised; the call only sets a flag in it.
        let code = unsafe { (self.calls.force_intra_frame)(self.encoder, true) };
        check("ForceIntraFrame", code)
    }

    /// The NAL units described by `info` after a successful call.
    fn output(&self) -> Result<Vec<&[u8]>> {
        let bad = |reason| Error::UnexpectedOutput { reason };
        let info = &*self.info;
        let layers = usize::try_from(info.iLayerNum)
            .ok()
            .filter(|&n| n <= info.sLayerInfo.len())
            .ok_or_else(|| bad("a layer count out of range"))?;
        let mut nals = Vec::new();
        for layer in &info.sLayerInfo[..layers] {
            let count =
                usize::try_from(layer.iNalCount).map_err(|_| bad("a negative NAL count"))?;
            if count == 0 {
                continue;
            }
            if layer.pNalLengthInByte.is_null() || layer.pBsBuf.is_null() {
                return Err(bad("a layer without a bitstream buffer"));
            }
            // SAFETY: after a successful EncodeFrame / EncodeParameterSets, openh264 points
            // `pNalLengthInByte` to `iNalCount` lengths in its own context, valid until the
            // next call on the instance, which `&self` (borrowed by the result) prevents.
            let lengths = unsafe { std::slice::from_raw_parts(layer.pNalLengthInByte, count) };
            let lengths = lengths
                .iter()
                .map(|&l| usize::try_from(l).map_err(|_| bad("a negative NAL length")))
                .collect::<Result<Vec<_>>>()?;
            let total = lengths.iter().sum();
            // SAFETY: `pBsBuf` holds the layer's NAL units back to back, `total` bytes (the
            // sum of the lengths above), in openh264's output buffer with the same lifetime.
            let mut bytes = unsafe { std::slice::from_raw_parts(layer.pBsBuf, total) };
            for len in lengths {
                let (nal, rest) = bytes.split_at(len);
                nals.push(nal);
                bytes = rest;
            }
        }
        Ok(nals)
    }
}

impl Drop for RawEncoder {
    fn drop(&mut self) {
        if self.initialized {
            // SAFETY: the instance is initialised and not used again; Uninitialize joins
            // openh264's worker threads and frees its context.
            unsafe { (self.calls.uninitialize)(self.encoder) };
        }
        // SAFETY: the instance came from WelsCreateSVCEncoder of the same API and is destroyed
        // exactly once, here.
        unsafe { self.api.WelsDestroySVCEncoder(self.encoder) };
    }
}
