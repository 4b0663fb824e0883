import type { OBSEventTypes } from 'obs-websocket-js';
import type { ControllerEvents, PipelineController } from '../../pipeline/controller/pipeline-controller.js';
import { EventSubscription } from './protocol.js';
import { INPUT_NAME, type ObsStateModel } from './state-model.js';
import { VENDOR_NAME } from './request-handlers/vendor.js';

/** Sends one event to every session subscribed to `intent`. */
export type Broadcast = <K extends keyof OBSEventTypes>(eventType: K, intent: number, eventData: OBSEventTypes[K]) => void;

type Listeners = { [K in keyof ControllerEvents]?: (...args: ControllerEvents[K]) => void };

/**
 * Turns the controller's events into obs-websocket events, whoever caused the change (an
 * obs-websocket client, a hotkey, the HTTP API, the web panel): the standard events a
 * controller such as Companion follows, plus a VendorEvent from vendor "facemat" carrying our
 * own vocabulary and the origin of the change.
 */
export class EventBridge {
  private readonly listeners: Listeners = {
    'filter-enabled': ({ name, enabled, origin }) => {
      this.broadcast('SourceFilterEnableStateChanged', EventSubscription.Filters, {
        sourceName: INPUT_NAME,
        filterName: name,
        filterEnabled: enabled,
      });
      this.vendor('FilterEnabledChanged', { filter: name, enabled, origin });
    },
    'filter-settings': ({ name, settings, origin }) => {
      this.broadcast('SourceFilterSettingsChanged', EventSubscription.Filters, {
        sourceName: INPUT_NAME,
        filterName: name,
        filterSettings: { ...settings },
      });
      this.vendor('FilterSettingsChanged', { filter: name, settings: { ...settings }, origin });
    },
    'filter-order': ({ order, origin }) => {
      this.reindexed();
      this.vendor('FilterOrderChanged', { order: [...order], origin });
    },
    preset: ({ name, origin }) => {
      this.broadcast('CurrentProgramSceneChanged', EventSubscription.Scenes, { sceneName: name, sceneUuid: this.model.sceneUuid(name) });
      // A preset rewrites the whole chain (order and settings as well as what is enabled).
      this.reindexed();
      this.vendor('PresetChanged', { preset: name, origin });
    },
    paused: ({ paused, origin }) => {
      const input = { inputName: INPUT_NAME, inputUuid: this.model.inputUuid };
      this.broadcast('InputActiveStateChanged', EventSubscription.InputActiveStateChanged, { ...input, videoActive: !paused });
      this.broadcast('InputShowStateChanged', EventSubscription.InputShowStateChanged, { ...input, videoShowing: !paused });
      this.vendor('CameraPausedChanged', { paused, origin });
    },
    virtualcam: ({ active, origin }) => {
      this.broadcast('VirtualcamStateChanged', EventSubscription.Outputs, {
        outputActive: active,
        outputState: this.model.virtualcamState(active),
      });
      this.vendor('VirtualCamChanged', { active, origin });
    },
  };

  constructor(
    private readonly controller: PipelineController,
    private readonly model: ObsStateModel,
    private readonly broadcast: Broadcast,
  ) {}

  start(): void {
    for (const [event, listener] of Object.entries(this.listeners)) {
      this.controller.on(event as keyof ControllerEvents, listener as never);
    }
  }

  stop(): void {
    for (const [event, listener] of Object.entries(this.listeners)) {
      this.controller.off(event as keyof ControllerEvents, listener as never);
    }
  }

  private reindexed(): void {
    this.broadcast('SourceFilterListReindexed', EventSubscription.Filters, { sourceName: INPUT_NAME, filters: this.model.filterList() });
  }

  private vendor(eventType: string, eventData: Record<string, string | number | boolean | object>): void {
    this.broadcast('VendorEvent', EventSubscription.Vendors, {
      vendorName: VENDOR_NAME,
      eventType,
      eventData: JSON.parse(JSON.stringify(eventData)) as Record<string, never>,
    });
  }
}
